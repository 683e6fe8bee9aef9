/* The benchmark's app: records CLOCK_MONOTONIC first thing in main (the end of every measured
 * interval) and prints it in nanoseconds on stdout.
 *   stamp            print and exit 0
 *   stamp --pause    print, then wait for a signal (a pod to enter, stop or kill) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);

	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld\n",
			 (long long)ts.tv_sec * 1000000000 + (long long)ts.tv_nsec);
	if (write(1, buf, (size_t)n) != n)
		return 1;
	if (argc > 1 && strcmp(argv[1], "--pause") == 0)
		for (;;)
			pause();
	return 0;
}
