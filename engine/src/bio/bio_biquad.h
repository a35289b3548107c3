/* Second-order IIR sections for the biosignal detectors: Butterworth low- and
 * high-pass designed for any sampling rate (bilinear transform, RBJ cookbook
 * with Q = 1/sqrt(2)), run in direct form I in double precision, with a
 * steady-state start so a DC offset in the input causes no start-up transient. */
#ifndef LULL_BIO_BIQUAD_H
#define LULL_BIO_BIQUAD_H

typedef struct bio_biquad {
    double b0, b1, b2, a1, a2; /* a0 normalised to 1 */
    double x1, x2, y1, y2;
} bio_biquad;

/* [bio] */
void bio_biquad_lowpass(bio_biquad *q, double fs, double fc);
void bio_biquad_highpass(bio_biquad *q, double fs, double fc);

/* [bio] Sets the state as if the input had been x forever. */
void bio_biquad_settle(bio_biquad *q, double x);

/* [bio] */
static inline double bio_biquad_run(bio_biquad *q, double x)
{
    double y = q->b0 * x + q->b1 * q->x1 + q->b2 * q->x2 - q->a1 * q->y1 - q->a2 * q->y2;
    q->x2 = q->x1;
    q->x1 = x;
    q->y2 = q->y1;
    q->y1 = y;
    return y;
}

/* [bio] Output for a constant input x once settled (the DC gain times x). */
double bio_biquad_dc(const bio_biquad *q, double x);

#endif
