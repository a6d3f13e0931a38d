import type { IncomingMessage } from 'node:http';
import { newId, type Environment } from './keys.js';
import { HttpError } from './problem.js';
import type { Body, IssuerCore } from './issuer-core.js';

const EVENTS_KEPT = 1000;

/**
 * The tiny protected API a credential is for: whoami (proves it works) and an event list that
 * enforces scopes (events:read, events:write), per environment.
 */
export class ProtectedApi {
  private readonly appEvents: Record<Environment, Body[]> = { live: [], test: [] };

  constructor(private readonly core: IssuerCore) {}

  whoami(req: IncomingMessage): Body {
    const c = this.core.requireCredential(req);
    return { id: c.id, name: c.name, scopes: c.scopes, environment: c.environment, expires_at: c.expires_at };
  }

  readEvents(req: IncomingMessage): Body {
    const c = this.core.requireCredential(req, 'events:read');
    return { events: this.appEvents[c.environment] };
  }

  writeEvent(req: IncomingMessage, body: Body): Body {
    const c = this.core.requireCredential(req, 'events:write');
    if (typeof body.type !== 'string' || !body.type) throw new HttpError(400, 'invalid_request', 'type is required');
    const event = { id: newId('ev'), type: body.type.slice(0, 200), data: body.data ?? null, at: new Date(this.core.now()).toISOString(), by: c.id };
    const list = this.appEvents[c.environment];
    list.push(event);
    if (list.length > EVENTS_KEPT) list.splice(0, list.length - EVENTS_KEPT);
    return { id: event.id };
  }
}
