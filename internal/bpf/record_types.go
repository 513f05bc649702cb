package bpf

// Short names for the recorder's types generated from ctrace.h (aliases, not copies).
type (
	RecCgroup      = RecordCtraceRecCgroup
	RecArgs        = RecordCtraceRecArgs
	RecCgroupEvent = RecordCtraceRecCgroupEvent
)

// Recorder limits and indexes from ctrace.h that user space needs.
const (
	RecNrMax  = 1024 // CTRACE_REC_NR_MAX
	RecSetMax = 16   // CTRACE_REC_SET_MAX

	AbiNative = int(RecordCtraceRecAbiCTRACE_ABI_NATIVE)
	AbiCompat = int(RecordCtraceRecAbiCTRACE_ABI_COMPAT)
	AbiX32    = int(RecordCtraceRecAbiCTRACE_ABI_X32)
	AbiMax    = int(RecordCtraceRecAbiCTRACE_ABI_MAX)

	ViewUnfiltered = int(RecordCtraceRecViewCTRACE_VIEW_UNFILTERED)
	ViewFiltered   = int(RecordCtraceRecViewCTRACE_VIEW_FILTERED)

	RecSetPersonality = int(RecordCtraceRecSetCTRACE_RSET_PERSONALITY)
	RecSetPrctl       = int(RecordCtraceRecSetCTRACE_RSET_PRCTL)
	RecSetIoctl       = int(RecordCtraceRecSetCTRACE_RSET_IOCTL)

	RecOvfPersonality = uint64(RecordCtraceRecOverflowCTRACE_ROVF_PERSONALITY)
	RecOvfPrctl       = uint64(RecordCtraceRecOverflowCTRACE_ROVF_PRCTL)
	RecOvfIoctl       = uint64(RecordCtraceRecOverflowCTRACE_ROVF_IOCTL)
	RecOvfFamily      = uint64(RecordCtraceRecOverflowCTRACE_ROVF_FAMILY)

	RecStatCgroupFull = uint32(RecordCtraceRecStatCTRACE_RSTAT_CGROUP_FULL)
	RecStatEventLost  = uint32(RecordCtraceRecStatCTRACE_RSTAT_EVENT_LOST)
	RecStatMarkFull   = uint32(RecordCtraceRecStatCTRACE_RSTAT_MARK_FULL)
	RecStatMax        = uint32(RecordCtraceRecStatCTRACE_RSTAT_MAX)
)
