/* EDF, EDF+ and BDF record reader (sleep labs, BITalino/OpenSignals, OpenBCI and
 * many polygraph exports), through EDFlib (libedf, Teuniz). Specifications: Kemp
 * et al., "A simple format for exchange of digitized polygraphic recordings",
 * EEG Clin. Neurophysiol. 82 (1992) 391-393 (EDF); Kemp & Olivan, "European data
 * format 'plus' (EDF+)", Clin. Neurophysiol. 114 (2003) 1755-1761; BDF is the
 * 24-bit BioSemi variant (www.biosemi.com/faq/file_format.htm).
 *
 * Each ordinary signal becomes a bio_signal in physical units (its own rate:
 * samples per data record / record duration); EDF+/BDF+ annotations become
 * bio_annotations (code 22 NOTE, symbol '"', text, duration_s) timed in ticks of
 * ann_fs = 10 MHz (EDF+'s 100 ns resolution). Discontinuous files (EDF+D) are
 * refused: lull's signals are uniformly sampled.
 *
 * Before EDFlib sees a file the fixed header is checked here field by field, so
 * a truncated or lying header is refused with the field's name instead of
 * EDFlib's single "format error". */
#ifndef LULL_RECORDS_EDF_RECORD_H
#define LULL_RECORDS_EDF_RECORD_H

#include <stdbool.h>

#include "records/record.h"

/* Reads the EDF/EDF+/BDF/BDF+ file at path. False with "file: field ...: message"
 * in err. [main] */
bool edf_record_read(const char *path, bio_record **out, char *err, size_t errlen);

/* True when the file starts with an EDF ("0       ") or BDF ("\xffBIOSEMI")
 * version field (for files whose extension does not say). [main] */
bool edf_file_looks_like_edf(const char *path);

#endif
