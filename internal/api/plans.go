package api

// planRoutes returns the operations of this group (being built).
func (s *Server) planRoutes() []route { return nil }
