# What an installed lull needs beyond the programs, plugins and presets (installed by
# their own CMakeLists), and the Debian package:
#   cmake -S . -B build-deb -DCMAKE_INSTALL_PREFIX=/usr -DLULL_TESTS=OFF
#   cmake --build build-deb -j2 && (cd build-deb && cpack -G DEB)
# The prefix is compiled into the programs (core/install_paths.c), so a package is
# built from a tree configured for /usr. tests/integration/test_package.sh does all of
# this and installs the result into a scratch root.

set(LULL_FULL_PLUGIN_DIR ${CMAKE_INSTALL_PREFIX}/${LULL_INSTALL_PLUGIN_DIR})
set(LULL_FULL_PRESET_DIR ${CMAKE_INSTALL_PREFIX}/${LULL_INSTALL_PRESET_DIR})
set(LULL_FULL_DEVICE_MAP_DIR ${CMAKE_INSTALL_PREFIX}/${LULL_INSTALL_DEVICE_MAP_DIR})
set(LULL_FULL_WEB_DIR ${CMAKE_INSTALL_PREFIX}/share/lull/web)
set(LULL_FULL_DOC_DIR ${CMAKE_INSTALL_FULL_DOCDIR})
set(LULL_CONF_DIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/lull)      # /etc/lull for prefix /usr
# Debian 12 keeps package units in /lib/systemd/system (the /usr move came later).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(lull_unit_default /lib/systemd/system)
else()
  set(lull_unit_default ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(LULL_SYSTEMD_UNIT_DIR ${lull_unit_default} CACHE PATH "Where the systemd units are installed")
set(LULL_UNIT_DIR ${LULL_SYSTEMD_UNIT_DIR})
set(LULL_MAINTAINER "lull developers <lull@packages.invalid>" CACHE STRING
    "Maintainer field of the Debian package")
set(LULL_ABI "1.2")
set(gen ${CMAKE_BINARY_DIR}/packaging)

# The units and the configuration in tools/ name /usr/local (a hand install, as the
# README's first steps do); the installed copies name this build's prefix and
# configuration directory.
set(lull_units tools/lulld.service)
if(TARGET lull-web)
  list(APPEND lull_units tools/lull-web.service)
endif()
foreach(f ${lull_units} tools/lulld.conf)
  get_filename_component(name ${f} NAME)
  file(READ ${PROJECT_SOURCE_DIR}/${f} txt)
  string(REPLACE "/usr/local/" "${CMAKE_INSTALL_PREFIX}/" txt "${txt}")
  string(REPLACE " /etc/lull/" " ${LULL_CONF_DIR}/" txt "${txt}")
  file(GENERATE OUTPUT ${gen}/${name} CONTENT "${txt}")
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${PROJECT_SOURCE_DIR}/${f})
endforeach()
foreach(f ${lull_units})
  get_filename_component(name ${f} NAME)
  install(FILES ${gen}/${name} DESTINATION ${LULL_SYSTEMD_UNIT_DIR})
endforeach()
install(FILES ${gen}/lulld.conf DESTINATION ${LULL_CONF_DIR})

# Man pages (man/*.1, troff) with the installed paths filled in, gzipped (-n: no
# name or time stamp, so the package is reproducible).
file(GLOB lull_man_pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.1)
set(lull_man_gz)
foreach(src ${lull_man_pages})
  get_filename_component(name ${src} NAME)
  configure_file(${src} ${gen}/man/${name} @ONLY)
  add_custom_command(OUTPUT ${gen}/man/${name}.gz
                     COMMAND gzip -9nf -k ${gen}/man/${name}
                     DEPENDS ${gen}/man/${name} VERBATIM)
  list(APPEND lull_man_gz ${gen}/man/${name}.gz)
endforeach()
add_custom_target(lull_man ALL DEPENDS ${lull_man_gz})
install(FILES ${lull_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# The plugin SDK: plugin.h (installed by the top CMakeLists), a pkg-config file and
# a CMake package config, both relocatable and architecture-independent.
configure_file(${PROJECT_SOURCE_DIR}/packaging/lull-plugin.pc.in ${gen}/lull-plugin.pc @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/packaging/lull-plugin-config.cmake.in
               ${gen}/lull-plugin-config.cmake @ONLY)
install(FILES ${gen}/lull-plugin.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)
install(FILES ${gen}/lull-plugin-config.cmake
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/lull-plugin)

# Debian's copyright file and changelog (lintian asks for both).
set(LULL_DEB_REVISION 1)
set(PROJECT_VERSION_DEB ${PROJECT_VERSION}-${LULL_DEB_REVISION})
set(PROJECT_VERSION_SAVED ${PROJECT_VERSION})
set(PROJECT_VERSION ${PROJECT_VERSION_DEB})
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/changelog.in ${gen}/changelog.Debian @ONLY)
set(PROJECT_VERSION ${PROJECT_VERSION_SAVED})
add_custom_command(OUTPUT ${gen}/changelog.Debian.gz
                   COMMAND gzip -9nf -k ${gen}/changelog.Debian
                   DEPENDS ${gen}/changelog.Debian VERBATIM)
add_custom_target(lull_changelog ALL DEPENDS ${gen}/changelog.Debian.gz)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/copyright ${gen}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/conffiles.in ${gen}/debian/conffiles @ONLY)
file(COPY ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
     DESTINATION ${gen}/debian
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                      WORLD_READ WORLD_EXECUTE)

# ---- cpack -G DEB ----
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "lull: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; a Debian package "
                 "(cpack -G DEB) wants -DCMAKE_INSTALL_PREFIX=/usr")
endif()
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lull)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the lull developers")
set(CPACK_PACKAGE_CONTACT "${LULL_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "realtime biofeedback audio engine for treatment rooms")
set(CPACK_PACKAGE_DESCRIPTION
"lull turns a client's breathing and heartbeat, streamed from wearable sensors
over OSC, into an ambient soundscape that slows and darkens as the client calms
and paces the breath toward about six breaths a minute. It holds the daemon
lulld (a JACK client, with a systemd unit run as the system user lull), the
command-line tool lull (offline render, preset and plugin checks, biosignal
analysis), the tablet page lull-web, the DSP nodes, eleven presets with their
sounds, and the plugin SDK (plugin.h, pkg-config lull-plugin).")
set(CPACK_DEBIAN_PACKAGE_RELEASE ${LULL_DEB_REVISION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${LULL_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)            # Depends from the linked libraries
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")        # postinst
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "jackd2 | pipewire-jack")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "avahi-daemon, pkg-config")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${gen}/debian/postinst ${gen}/debian/postrm ${gen}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
include(CPack)
