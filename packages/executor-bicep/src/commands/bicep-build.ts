/** Standalone `bicep build <file> --outfile <out>`. */
export function buildBicepBuildArgs(opts: { file: string; outFile: string }): string[] {
  return ['build', opts.file, '--outfile', opts.outFile];
}

/** `az bicep build` when no standalone Bicep CLI is on PATH. */
export function buildAzBicepBuildArgs(opts: { file: string; outFile: string }): string[] {
  return ['bicep', 'build', '--file', opts.file, '--outfile', opts.outFile, '--only-show-errors'];
}
