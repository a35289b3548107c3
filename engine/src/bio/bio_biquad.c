#include "bio/bio_biquad.h"

#include <math.h>

static void design(bio_biquad *q, double fs, double fc, int highpass)
{
    double w0 = 2.0 * M_PI * fc / fs;
    double alpha = sin(w0) / (2.0 * M_SQRT1_2);
    double c = cos(w0), a0 = 1.0 + alpha;
    double k = highpass ? (1.0 + c) / 2.0 : (1.0 - c) / 2.0;
    q->b0 = k / a0;
    q->b1 = (highpass ? -2.0 * k : 2.0 * k) / a0;
    q->b2 = k / a0;
    q->a1 = -2.0 * c / a0;
    q->a2 = (1.0 - alpha) / a0;
    q->x1 = q->x2 = q->y1 = q->y2 = 0.0;
}

void bio_biquad_lowpass(bio_biquad *q, double fs, double fc) { design(q, fs, fc, 0); }
void bio_biquad_highpass(bio_biquad *q, double fs, double fc) { design(q, fs, fc, 1); }

double bio_biquad_dc(const bio_biquad *q, double x)
{
    return x * (q->b0 + q->b1 + q->b2) / (1.0 + q->a1 + q->a2);
}

void bio_biquad_settle(bio_biquad *q, double x)
{
    double y = bio_biquad_dc(q, x);
    q->x1 = q->x2 = x;
    q->y1 = q->y2 = y;
}
