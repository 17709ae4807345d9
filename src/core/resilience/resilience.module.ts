import { Global, Module } from '@nestjs/common';
import { DependencyPolicies } from './dependency-policies.js';

/** The outgoing-call policies, shared by every module that talks to another service. */
@Global()
@Module({ providers: [DependencyPolicies], exports: [DependencyPolicies] })
export class ResilienceModule {}
