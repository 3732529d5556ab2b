/* libfoo.so.1: a library no Debian package owns; the tests place it in /usr/local/lib. */
int foo_answer(void)
{
    return 42;
}
