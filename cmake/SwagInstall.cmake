# cmake --install: the binary, and everything the job scripts need beside it, under one prefix:
#   bin/swag
#   share/swag/{jobs/slurm,inputs,postprocess,tools}   (the job scripts find both from their path)
#   share/doc/swag/                                     (README and doc/)
include(GNUInstallDirs)
set(SWAG_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/swag)

install(TARGETS swag RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY jobs/slurm/ DESTINATION ${SWAG_INSTALL_DATADIR}/jobs/slurm USE_SOURCE_PERMISSIONS)
install(DIRECTORY inputs/ DESTINATION ${SWAG_INSTALL_DATADIR}/inputs USE_SOURCE_PERMISSIONS)
install(DIRECTORY postprocess/ DESTINATION ${SWAG_INSTALL_DATADIR}/postprocess
        USE_SOURCE_PERMISSIONS PATTERN __pycache__ EXCLUDE)
install(DIRECTORY tools/ DESTINATION ${SWAG_INSTALL_DATADIR}/tools USE_SOURCE_PERMISSIONS
        PATTERN __pycache__ EXCLUDE)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY doc/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
