/**
 * Differential-privacy accounting for DP-SGD: {@link org.vmap4j.privacy.RdpAccountant} (Rényi DP)
 * and {@link org.vmap4j.privacy.PldAccountant} (privacy loss distributions) for the
 * Poisson-subsampled Gaussian mechanism, and {@link org.vmap4j.privacy.NoiseCalibration} to choose
 * the noise for a target {@code (epsilon, delta)}. See {@code docs/dp.md}.
 */
package org.vmap4j.privacy;
