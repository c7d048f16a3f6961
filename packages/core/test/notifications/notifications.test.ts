import { describe } from 'vitest';
import { InProcessJobQueue } from '../../src/index.js';
import { notificationScenarios } from './scenarios.js';

describe('notifications on the in-process queue', () => notificationScenarios(async () => new InProcessJobQueue()));
