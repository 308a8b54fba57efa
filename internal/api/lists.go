package api

// listRoutes returns the operations of this group (being built).
func (s *Server) listRoutes() []route { return nil }
