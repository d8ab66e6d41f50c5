/*
 * fuzz_config.c - libFuzzer target: any gazette.ini must load or be
 * refused with a message, never crash.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char path[] = "/tmp/gazette-fuzz-ini-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, d, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct config *c = config_new();
	struct err e = {0};
	if (config_load(c, path, &e) == 0)
		config_validate(c, &e);
	config_free(c);
	unlink(path);
	return 0;
}
