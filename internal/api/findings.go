package api

// findingRoutes returns the operations of this group (being built).
func (s *Server) findingRoutes() []route { return nil }
