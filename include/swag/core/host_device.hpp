// SWAG_HOST_DEVICE marks inline functions that nvcc also compiles for the GPU, so that both
// backends share one formula and round the same way.
#pragma once

#if defined(__CUDACC__)
#define SWAG_HOST_DEVICE __host__ __device__
#else
#define SWAG_HOST_DEVICE
#endif
