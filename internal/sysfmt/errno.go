package sysfmt

// Errno returns the symbolic name of errno e as strace prints it ("ENOENT"
// for 2, "ERESTARTSYS" for 512). Aliases print as strace does: EAGAIN, not
// EWOULDBLOCK. ok is false for numbers strace has no name for; strace then
// prints "-1 (errno 134)".
func Errno(e int) (name string, ok bool) {
	if e > 0 && e < len(errnoTab) && errnoTab[e].name != "" {
		return errnoTab[e].name, true
	}
	return "", false
}

// ErrnoText returns the text strace prints in parentheses after the errno
// name: "No such file or directory" for 2, "To be restarted if SA_RESTART is
// set" for ERESTARTSYS, "Unknown error 515" for ENOIOCTLCMD. For a number
// without a name it returns "errno N", as in strace's "-1 (errno 134)".
func ErrnoText(e int) string {
	if e > 0 && e < len(errnoTab) && errnoTab[e].name != "" {
		return errnoTab[e].text
	}
	return string(appendErrnoNumber(nil, e))
}

// AppendErrno appends strace's rendering of a failed call's errno, the part
// after "= -1 ": "ENOENT (No such file or directory)", or "(errno 134)".
// It does not allocate except to grow dst.
func AppendErrno(dst []byte, e int) []byte {
	if e > 0 && e < len(errnoTab) && errnoTab[e].name != "" {
		dst = append(dst, errnoTab[e].name...)
		dst = append(dst, " ("...)
		dst = append(dst, errnoTab[e].text...)
		return append(dst, ')')
	}
	dst = append(dst, '(')
	dst = appendErrnoNumber(dst, e)
	return append(dst, ')')
}

// IsRestart reports whether e is one of the kernel-internal restart codes
// (ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK) for
// which strace prints "= ? ERESTARTSYS (…)" instead of "= -1 …".
func IsRestart(e int) bool {
	return e == 512 || e == 513 || e == 514 || e == 516
}

func appendErrnoNumber(dst []byte, e int) []byte {
	dst = append(dst, "errno "...)
	return appendInt(dst, int64(e))
}
