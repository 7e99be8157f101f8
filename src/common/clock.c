/* clock.c — monotonic time for deadlines; see clock.h. */
#include <time.h>

#include "common/clock.h"

int64_t clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double clock_mono_s(void)
{
	return (double)clock_mono_us() / 1e6;
}

void clock_sleep_us(int64_t us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	if (us > 0)
		nanosleep(&ts, NULL);
}
