/* A stand-in for libc.so.6 to link the x86_64 blacklist extensions against: it defines puts
 * (at GLIBC_2.2.5, see stub_libc.map) but not pthread_getattr_default_np, so that reference
 * stays unversioned. Linked against the real libc it would need GLIBC_2.34 (or 2.18 if
 * pinned), and that version alone would already rule out every pre-2_24 policy, hiding the
 * blacklist. The stub is only an input of the link; it is not an output. */
int puts(const char *s)
{
    (void)s;
    return 0;
}
