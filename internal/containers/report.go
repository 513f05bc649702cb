package containers

// WithReport sends the problems that concern one container (a runtime API
// that did not answer) to f, with what is known of the container, instead
// of the collection's log: the errors file names the container.
func WithReport(f func(c Info, message string)) Option {
	return func(c *Collection) { c.report = f }
}

// Count returns the number of containers with live cgroups (a container
// with nested cgroups counts once).
func (c *Collection) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byID)
}
