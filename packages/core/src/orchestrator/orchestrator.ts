// Placeholder while the real Orchestrator lands (being written in this same change).
import EventEmitter from 'eventemitter3';
import type { OrchestratorEvents, OrchestratorOptions } from './types.js';
export class Orchestrator extends EventEmitter<OrchestratorEvents> {
  constructor(readonly options: OrchestratorOptions) {
    super();
  }
}
