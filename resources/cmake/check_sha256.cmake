# cmake -DSRC=file -DDST=copy -DSHA256=hex -P check_sha256.cmake
# Copies a bundled resource into the build tree only if it has its published SHA-256, so a corrupt or
# edited file fails the build with a message naming it instead of shipping.
file(SHA256 "${SRC}" got)
if(NOT got STREQUAL SHA256)
  message(FATAL_ERROR "bundled resource ${SRC}: SHA-256 is ${got}, expected ${SHA256} "
                      "(the file is corrupt or was edited; restore it from git)")
endif()
get_filename_component(dir "${DST}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
file(COPY_FILE "${SRC}" "${DST}" ONLY_IF_DIFFERENT)
