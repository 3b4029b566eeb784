/** Arrow vectors to and from vmap4j tensors, the fixed-shape tensor type and Arrow IPC. */
module org.vmap4j.arrow {
  requires transitive org.vmap4j.core;
  requires transitive org.apache.arrow.vector;
  requires transitive org.apache.arrow.memory.core;
  requires com.fasterxml.jackson.databind;

  exports org.vmap4j.arrow;
}
