package api

// filterRoutes returns the operations of this group (being built).
func (s *Server) filterRoutes() []route { return nil }
