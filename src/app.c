/*
 * app.c - the one global: `app`, set once by main() at start-up.
 */
#include "app.h"

struct app *app;
