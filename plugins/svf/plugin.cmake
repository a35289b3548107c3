# Batches compute exactly what process() computes, lane for lane, in both the
# baseline and the AVX2 copy of the kernel: no multiply-add contraction anywhere.
# The 4-lane vector helpers are always inlined, so GCC's note that passing them by
# value would change the ABI without AVX (-Wpsabi) concerns no real call.
target_compile_options(${name} PRIVATE -ffp-contract=off -Wno-psabi)
