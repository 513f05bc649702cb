/*
 * A 32-bit x86 workload of the ctrace-test/seccomp image (gcc -m32 -static):
 * writes a file, reads it back and prints it, through the i386 syscall ABI.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	const char *msg = "compat32: hello from a 32-bit program\n";
	char buf[128] = {0};
	int fd = open("/tmp/compat32.txt", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, msg, strlen(msg)) < 0) {
		perror("write");
		return 1;
	}
	close(fd);
	fd = open("/tmp/compat32.txt", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0) {
		perror("read");
		return 1;
	}
	close(fd);
	fputs(buf, stdout);
	return 0;
}
