# sampler: varispeed through libsamplerate (src_process on one SRC_STATE per voice).
target_link_libraries(${name} PRIVATE PkgConfig::SAMPLERATE)
