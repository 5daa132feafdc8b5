# Finds libmysqlclient (MariaDB Connector/C from libmariadb-dev-compat) through
# mysql_config, then pkg-config, then a plain search; defines MySQL::MySQL.
find_program(MYSQL_CONFIG_EXECUTABLE NAMES mariadb_config mysql_config)
if(MYSQL_CONFIG_EXECUTABLE)
  execute_process(COMMAND ${MYSQL_CONFIG_EXECUTABLE} --include OUTPUT_VARIABLE _mysql_inc OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${MYSQL_CONFIG_EXECUTABLE} --libs OUTPUT_VARIABLE _mysql_libs OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REGEX REPLACE "-I" "" _mysql_inc "${_mysql_inc}")
  separate_arguments(_mysql_inc)
  find_path(MySQL_INCLUDE_DIR mysql.h HINTS ${_mysql_inc})
endif()
if(NOT MySQL_INCLUDE_DIR)
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(PC_MYSQL QUIET libmariadb mysqlclient)
  endif()
  find_path(MySQL_INCLUDE_DIR mysql.h HINTS ${PC_MYSQL_INCLUDE_DIRS} PATH_SUFFIXES mariadb mysql)
endif()
find_library(MySQL_LIBRARY NAMES mariadb mysqlclient HINTS ${PC_MYSQL_LIBRARY_DIRS})

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MySQL REQUIRED_VARS MySQL_LIBRARY MySQL_INCLUDE_DIR)
if(MySQL_FOUND AND NOT TARGET MySQL::MySQL)
  add_library(MySQL::MySQL UNKNOWN IMPORTED)
  set_target_properties(MySQL::MySQL PROPERTIES
    IMPORTED_LOCATION "${MySQL_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MySQL_INCLUDE_DIR}")
endif()
mark_as_advanced(MySQL_INCLUDE_DIR MySQL_LIBRARY MYSQL_CONFIG_EXECUTABLE)
