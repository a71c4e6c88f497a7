#!/usr/bin/env bash
# Installs the Debian packages swag needs, if any are missing. Idempotent; run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format clang-tidy
  clang libclang-rt-14-dev libomp-dev
  libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev hdf5-tools
  libtrilinos-kokkos-dev
  googletest libgtest-dev libgmock-dev
  libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev dataset-fashion-mnist
  libdnnl-dev libopenblas-dev ocl-icd-opencl-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev
  python3-torch python3-torchvision python3-h5py python3-numpy
  wordnet-base python3-nltk
  python3-matplotlib slurm-wlm munge shellcheck
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "swag setup: all ${#packages[@]} Debian packages are installed"
  exit 0
fi

echo "swag setup: installing ${#missing[@]} missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "swag setup: done"
