/* The extensions: identical code, linked with different run-path tags (see recipe.sh). */
#include <stdio.h>

int mid_value(void);

void *PyInit_rpath(void) { return 0; }
void *PyInit_runpath(void) { return 0; }
void *PyInit_both(void) { return 0; }
void *PyInit_bothgone(void) { return 0; }

int ext_value(void) { return mid_value() + puts("ext"); }
