# Every dependency through CMake's own modules or the package's config file; each is checked and
# a missing one names the Debian package that provides it (tools/setup.sh installs them all).
function(swag_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR "swag: ${what} not found; install the Debian package '${package}' "
                        "(tools/setup.sh installs every dependency)")
  endif()
endfunction()

find_package(MPI REQUIRED COMPONENTS C CXX)

set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C)
swag_require(HDF5_IS_PARALLEL "parallel HDF5" libhdf5-openmpi-dev)
add_library(swag_hdf5 INTERFACE)
target_include_directories(swag_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS})
target_link_libraries(swag_hdf5 INTERFACE ${HDF5_C_LIBRARIES} MPI::MPI_C)
target_compile_definitions(swag_hdf5 INTERFACE ${HDF5_C_DEFINITIONS})

# Kokkos: Debian's 3.4 exports a Kokkos::kokkos target whose include path does not exist, so for
# Kokkos < 4 we build our own interface target from the variables its config file sets.
find_package(Kokkos REQUIRED)
add_library(swag_kokkos INTERFACE)
if(Kokkos_VERSION VERSION_LESS 4.0)
  find_library(SWAG_KOKKOS_CORE_LIB NAMES trilinos_kokkoscore kokkoscore REQUIRED)
  target_include_directories(swag_kokkos SYSTEM INTERFACE ${Kokkos_INCLUDE_DIRS})
  target_link_libraries(swag_kokkos INTERFACE ${SWAG_KOKKOS_CORE_LIB})
else()
  target_link_libraries(swag_kokkos INTERFACE Kokkos::kokkos)
endif()
message(STATUS "swag: Kokkos ${Kokkos_VERSION}")

find_package(dnnl REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(libjpeg-turbo REQUIRED)
find_package(PNG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)

if(SWAG_ENABLE_CUDA)
  find_package(CUDAToolkit REQUIRED)
  find_library(SWAG_CUDNN_LIB cudnn HINTS ${CUDAToolkit_LIBRARY_DIR})
  find_library(SWAG_NCCL_LIB nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
  swag_require(SWAG_CUDNN_LIB "cuDNN (libcudnn.so)" "cuDNN for CUDA ${CUDAToolkit_VERSION}")
  swag_require(SWAG_NCCL_LIB "NCCL (libnccl.so)" "NCCL for CUDA ${CUDAToolkit_VERSION}")
  add_library(swag_cuda_libs INTERFACE)
  target_link_libraries(swag_cuda_libs INTERFACE CUDA::cudart CUDA::cublasLt ${SWAG_CUDNN_LIB}
                                                 ${SWAG_NCCL_LIB})
endif()

if(SWAG_BUILD_TESTS)
  find_package(GTest REQUIRED)
  # The reference oracles (torch, torchvision, nltk, h5py) import only under Debian's python.
  set(SWAG_REFERENCE_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with Debian's torch/h5py")
endif()
