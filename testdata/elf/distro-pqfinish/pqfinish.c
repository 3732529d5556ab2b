/* An extension whose only libpq symbol is PQfinish, listed with minimal version 0: the
 * dependency on libpq5 must be unversioned (distro-metadata.md §1.5). */
#include <libpq-fe.h>

void pqfinish_close(PGconn *conn)
{
    PQfinish(conn);
}

void *PyInit_pqfinish(void)
{
    return 0;
}
