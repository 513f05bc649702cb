/* A 32-bit x86 program for the recorder's compat test (gcc -m32 -static). */
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	syscall(SYS_getppid);
	syscall(SYS_getpgrp);
	return 0;
}
