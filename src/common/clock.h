/* clock.h — time for deadlines. A deadline measured on the wall clock
 * jumps when the clock is set (NTP, a suspended laptop); CLOCK_MONOTONIC
 * does not. Wall-clock time (ids.h now_us) is only for timestamps shown
 * or stored. */
#ifndef HB_COMMON_CLOCK_H
#define HB_COMMON_CLOCK_H

#include <stdint.h>

/* Microseconds on CLOCK_MONOTONIC (since an unspecified start). */
int64_t clock_mono_us(void);
/* The same in seconds, for durations shown to people. */
double clock_mono_s(void);
/* Sleeps us microseconds (less when a signal arrives). */
void clock_sleep_us(int64_t us);

#endif
