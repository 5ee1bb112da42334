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
# Maintainer: -DUDLAB_DEB_MAINTAINER="Name <address>", else the author of the commit being packaged.
set(UDLAB_DEB_MAINTAINER "" CACHE STRING "The .deb's Maintainer field (default: the packaged commit's author)")
set(deb_maintainer "${UDLAB_DEB_MAINTAINER}")
if(NOT deb_maintainer)
  execute_process(COMMAND git log -1 "--format=%an <%ae>" WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE deb_maintainer OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
if(NOT deb_maintainer MATCHES "^[^<>]+ <[^<>@ ]+@[^<>@ ]+>$")
  # No git (a source tarball): the identity this project's commits are made under.
  set(deb_maintainer "Seed 42af6cc8 maintainers <maintainers@users.noreply.h-seed-42af6cc8.example>")
endif()
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${deb_maintainer}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from the binaries themselves (dpkg-shlibdeps: Qt 6, libgomp, libstdc++, …),
# so they are exactly what the executables link, with the versions they need.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-torch")

include(CPack)
