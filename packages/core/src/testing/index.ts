/**
 * Test helpers for store and executor authors: the shared conformance suites and a scripted executor.
 * @packageDocumentation
 */
export {};
