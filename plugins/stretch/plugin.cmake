# stretch: single-precision FFTW, and its threads library for
# fftwf_make_planner_thread_safe() (libfftw3f_threads.so, Debian package
# libfftw3-dev; the runtime libfftw3-single3): nodes plan in activate() on the
# host's worker, but other FFTW users in the process may plan on other threads.
find_library(LULL_FFTW3F_THREADS fftw3f_threads)
if(NOT LULL_FFTW3F_THREADS)
  message(FATAL_ERROR "plugins/stretch: libfftw3f_threads not found (install libfftw3-dev)")
endif()
target_link_libraries(${name} PRIVATE PkgConfig::FFTWF ${LULL_FFTW3F_THREADS})
# fftwf_make_planner_thread_safe() installs planner hooks from libfftw3f_threads into
# libfftw3f: if this plugin (and with it libfftw3f_threads) were unloaded, any later
# FFTW planning in the process would jump into unmapped code. The plugin stays loaded.
target_link_options(${name} PRIVATE "LINKER:-z,nodelete")
