#include "bio/order_stats.h"

#include <math.h>

/* Hoare's selection: after the call, s[k] holds the k-th smallest value. */
static double select_kth(double *s, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = s[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (s[i] < pivot) i++;
            while (s[j] > pivot) j--;
            if (i <= j) {
                double t = s[i];
                s[i] = s[j];
                s[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return s[k];
}

static double median_in_place(double *s, size_t n)
{
    if (n == 0) return NAN;
    double upper = select_kth(s, n, n / 2);
    if (n % 2) return upper;
    /* The lower middle is the largest value left of n/2 after the selection. */
    double lower = s[0];
    for (size_t i = 1; i < n / 2; i++)
        if (s[i] > lower) lower = s[i];
    return 0.5 * (lower + upper);
}

double order_median(const double *x, size_t n, double *scratch)
{
    for (size_t i = 0; i < n; i++) scratch[i] = x[i];
    return median_in_place(scratch, n);
}

double order_ring_median(const double *ring, size_t cap, size_t head, size_t count, double *scratch)
{
    for (size_t i = 0; i < count; i++) scratch[i] = ring[(head + cap - count + i) % cap];
    return median_in_place(scratch, count);
}
