/*
 * log.h - one-line log messages to stderr.
 *
 * Each line: ISO time, level, message. Thread-safe (one write(2) per
 * line). log_fatal is for start-up only (config, bind, migrations): it
 * prints and exits with status 1.
 */
#ifndef GAZETTE_UTIL_LOG_H
#define GAZETTE_UTIL_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Messages below `level` are dropped. Set once at start-up. */
void log_level_set(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
_Noreturn void log_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
