package containers

// WithReport sends the problems that concern one container to f, with
// what is known of the container (the id and the runtime its cgroup path
// tells, at least), instead of the collection's log: the errors file names
// the container. These are a runtime that does not know the container, a
// container given up on at the resolve deadline, and — in addition to the
// single log line per runtime that does not answer — every container left
// with its id only because its runtime did not answer.
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
