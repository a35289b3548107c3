/* A spectrogram PNG of a render, for sound designers (`lull render --spectrogram`).
 *
 * The mid signal (L+R)/2 is cut into Hann-windowed frames of fft_size samples
 * (FFTW, double), hop min(fft_size/4, the samples per pixel column); each frame's
 * power spectrum is averaged into the pixel column holding the frame's centre.
 * Levels are amplitude dBFS: a sine of peak amplitude A centred on a bin reads
 * 20 log10(A) (a full-scale sine 0 dBFS). Each pixel row covers a band of the
 * frequency axis (log 20 Hz..20 kHz, capped at Nyquist; or linear 0..Nyquist) and
 * shows the mean power of the bins whose centres fall in it, or the power
 * interpolated at the row's centre where the band is narrower than a bin.
 *
 * Colours run from black (db_top - db_range) through purple, red and orange to
 * pale yellow (db_top); the map's luminance rises monotonically, so the brightest
 * pixel is the loudest. The image has the plot area, a frequency axis (left), a
 * time axis in seconds (bottom), a colour legend in dBFS (right) and a title.
 *
 * Not realtime: [main] (the offline driver's loop and the CLI). */
#ifndef LULL_ANALYSIS_SPECTROGRAM_H
#define LULL_ANALYSIS_SPECTROGRAM_H

#include <stdbool.h>
#include <stddef.h>

typedef struct spectrogram_opts {
    int width, height; /* PNG pixels, default 1200 x 600 (min 320 x 200, max 8000) */
    bool linear;       /* false (default): log frequency 20 Hz..min(20 kHz, Nyquist) */
    double db_top;     /* dBFS at the top of the colour scale, default 0 */
    double db_range;   /* dB from top to bottom of the colour scale, default 120 */
    unsigned fft_size; /* power of two 256..65536, default 4096 (11.7 Hz at 48 kHz) */
} spectrogram_opts;

/* The plot area inside the PNG, pixels: x0, y0 its top-left corner. Fixed margins:
 * 64 left, 96 right, 28 top, 44 bottom (so 1040 x 528 for the default size). */
typedef struct spectrogram_area {
    int x0, y0, w, h;
} spectrogram_area;

typedef struct spectrogram spectrogram;

/* [main] */
void spectrogram_defaults(spectrogram_opts *o);
spectrogram_area spectrogram_plot_area(const spectrogram_opts *o);
/* [main] The frequency (Hz) at the centre of plot row `row` (0 = top of the plot area). */
double spectrogram_row_hz(const spectrogram_opts *o, double sample_rate, int row);

/* [main] A spectrogram of `seconds` of signal at sample_rate (the time axis spans
 * exactly that; frames fed beyond it are ignored). NULL with a message naming the
 * bad option, or on failure. */
spectrogram *spectrogram_new(const spectrogram_opts *o, double sample_rate, double seconds,
                             char *err, size_t errlen);
void spectrogram_free(spectrogram *s);

/* [main] Feeds n frames; right may be NULL (mono). */
void spectrogram_add(spectrogram *s, const float *left, const float *right, size_t n);

/* [main] Draws what was fed and writes a PNG (cairo). title may be NULL.
 * Returns true, or false with a message naming the file. */
bool spectrogram_write_png(const spectrogram *s, const char *path, const char *title, char *err,
                           size_t errlen);

#endif
