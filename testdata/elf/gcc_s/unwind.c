/* Walks the stack with _Unwind_Backtrace, which only libgcc_s.so.1 provides (not libgcc.a):
 * a GCC_3.3 version need, old enough for manylinux_2_5. */
#include <stdio.h>
#include <unwind.h>

void *PyInit_unwind(void) { return 0; }

static _Unwind_Reason_Code count_frame(struct _Unwind_Context *context, void *arg)
{
    (void)context;
    ++*(int *)arg;
    return _URC_NO_REASON;
}

int unwind_depth(void)
{
    int depth = 0;
    _Unwind_Backtrace(count_frame, &depth);
    printf("%d frames\n", depth);
    return depth;
}
