/* Order statistics on small arrays (medians over a few hundred values at most),
 * without allocation: the caller passes the scratch space. */
#ifndef LULL_BIO_ORDER_STATS_H
#define LULL_BIO_ORDER_STATS_H

#include <stddef.h>

/* [any] Median of x[0..n-1] (mean of the two middle values when n is even); NaN when
 * n == 0. scratch must hold n doubles; x is not modified. */
double order_median(const double *x, size_t n, double *scratch);

/* [any] Median of the last `count` values of a ring buffer of capacity `cap` whose next
 * write position is `head` (count <= cap). scratch must hold count doubles. */
double order_ring_median(const double *ring, size_t cap, size_t head, size_t count,
                         double *scratch);

#endif
