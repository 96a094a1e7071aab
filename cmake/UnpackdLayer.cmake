# unpackd_layer(<name> DIR <folder under src/> [DEPS <targets>] [PRIVATE_DEPS <targets>])
#
# One static library per layer. The layer's headers are exposed to its dependents through a
# view folder of symbolic links (build/layers/<name>/<folder>/<header>) rather than through
# src/, so a file can only include headers of the layers it links: an upward or sideways
# include fails to compile ("no such file"), not just to link. DEPS are public (a public
# header of this layer needs them); PRIVATE_DEPS are used by its .cc files only.
function(unpackd_layer name)
  cmake_parse_arguments(LAYER "" "DIR" "DEPS;PRIVATE_DEPS" ${ARGN})
  set(src_dir ${PROJECT_SOURCE_DIR}/src/${LAYER_DIR})
  file(GLOB sources CONFIGURE_DEPENDS ${src_dir}/*.cc)
  file(GLOB headers CONFIGURE_DEPENDS ${src_dir}/*.h)
  set(view ${PROJECT_BINARY_DIR}/layers/${name})
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view}/${LAYER_DIR})
  foreach(header ${headers})
    get_filename_component(file_name ${header} NAME)
    file(CREATE_LINK ${header} ${view}/${LAYER_DIR}/${file_name} SYMBOLIC)
  endforeach()
  set(target unpackd_${name})
  if(sources)
    add_library(${target} STATIC ${sources})
    target_include_directories(${target} PUBLIC ${view})
    target_link_libraries(${target} PUBLIC ${LAYER_DEPS} PRIVATE ${LAYER_PRIVATE_DEPS})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${view})
    target_link_libraries(${target} INTERFACE ${LAYER_DEPS})
  endif()
  set_property(GLOBAL APPEND PROPERTY UNPACKD_LAYERS ${target})
endfunction()
