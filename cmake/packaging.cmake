# CPack: `cpack -G DEB` in a build directory makes udlab_<version>_<arch>.deb from the install rules
# (app/, resources/). scripts/package.sh configures the portable release build (no -march=native, no
# CUDA: the .deb must start on any x86-64 without the CUDA runtime) and runs it.
set(CPACK_PACKAGE_NAME udlab)
set(CPACK_PACKAGE_VENDOR "udlab")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "laboratory for group-valued RNNs and Linear Recurrent Units")
set(CPACK_PACKAGE_DESCRIPTION
    "Qt 6 desktop app (udlab) and headless CLI (udlab-cli) to train, compare and benchmark sequence models
whose hidden states live on subgroups of U(d), Linear Recurrent Units, LSTMs and transformers, with live
charts of perplexity, gradient norms and eigenvalues. Tiny Shakespeare is bundled.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "udlab developers <udlab@invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from the binaries themselves (dpkg-shlibdeps: Qt 6, libgomp, libstdc++, …),
# so they are exactly what the executables link, with the versions they need.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-torch")

include(CPack)
