/** vmap4j's layers, functional operations and PyTorch weight formats. */
module org.vmap4j.nn {
  requires transitive org.vmap4j.core;

  exports org.vmap4j.nn;
}
