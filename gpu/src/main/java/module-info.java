/**
 * vmap4j's CUDA backend, found by core through the Backend SPI. JCuda's jars name no module: {@code
 * jcuda} and {@code jcublas} are the names derived from the jar files. Only the backend package is
 * exported: {@code .ptx} (PTX generation), {@code .cuda} (the CUDA runtime) and {@code .cublas} are
 * internal.
 */
module org.vmap4j.gpu {
  requires org.vmap4j.core;
  requires jcuda;
  requires jcublas;

  exports org.vmap4j.gpu;

  provides org.vmap4j.backend.Backend with
      org.vmap4j.gpu.CudaBackend;
}
