import { campaignPaths } from '../campaigns/openapi.js';
import { errorResponse, jsonResponse } from './openapi-parts.js';

/** The OpenAPI 3.1 description served at /v1/openapi.json (kept next to the routes it documents). */

/** A prediction's 90 % interval (from the model's out-of-fold residuals); null without one. */
const range = {
  type: ['object', 'null'],
  properties: { low: { type: 'number' }, high: { type: 'number' } },
};

const platformId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example: 'gpu-5c1d0f4ec31e22a7',
};
const bearer = [{ bearer: [] }];

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'neuralpower collector',
    version: '1',
    description:
      'Stores layer and network measurements streamed by agents (WebSocket /v1/agents, see docs/protocol.md), ' +
      'fits per-platform NeuralPower models into immutable versions, and predicts runtime, power and energy of networks.',
  },
  // Every route needs a token unless it says otherwise (security: []).
  security: bearer,
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description:
          'a token from `neuralpower collector token create --scope agent|read|admin`: reads need read (or admin; ' +
          'not needed when the collector runs with --public-read), fit and rollback need admin, /v1/agents and ' +
          '/v1/platforms/{id}/keys accept agent (docs/security.md)',
      },
    },
    schemas: {
      DriftSummary: {
        type: ['object', 'null'],
        description: '|second / first − 1| of the revisited configurations; null when there was none',
        properties: {
          revisits: { type: 'integer' },
          medianAbsRel: { type: 'number' },
          maxAbsRel: { type: 'number' },
        },
      },
      PlatformPrecision: {
        type: ['object', 'null'],
        description:
          'how precisely the platform’s runtimes were measured (block timing protocol, docs/measurement.md); null when no record carries an interval',
        properties: {
          records: { type: 'integer', description: 'block-timed records' },
          targetReached: { type: 'integer' },
          ciHalfWidthRel: {
            type: 'object',
            description: 'half-width of the median’s interval relative to the median',
            properties: { median: { type: 'number' }, p90: { type: 'number' } },
          },
          blocks: { type: 'integer' },
          outlierBlocks: { type: 'integer' },
          clock: { type: ['string', 'null'] },
          syncOverheadMs: { type: ['number', 'null'] },
          drift: {
            $ref: '#/components/schemas/DriftSummary',
            description: 'revisits at the end of a sweep, in the same agent process',
          },
          processDrift: {
            $ref: '#/components/schemas/DriftSummary',
            description:
              'revisits by a resumed sweep of what an earlier agent process measured: the drift between processes',
          },
        },
      },
      VersionPointer: {
        type: 'object',
        properties: {
          kind: { type: 'string' },
          target: { enum: ['runtime', 'power'] },
          version: { type: 'integer' },
        },
      },
      ModelVersion: {
        type: 'object',
        properties: {
          platformId: { type: 'string' },
          kind: { type: 'string' },
          target: { enum: ['runtime', 'power'] },
          version: { type: 'integer', description: 'counts up per platform across kinds and targets' },
          parentVersion: { type: ['integer', 'null'] },
          createdAt: { type: 'string', format: 'date-time' },
          trainingRows: { type: 'integer' },
          trainingSetHash: { type: 'string' },
          report: {
            type: 'object',
            description:
              "the core's fit report: out-of-fold rmspe, rmse, mape, modelSize, lambda…; weighted {effectiveRows, rmspe} when rows weighed differently; selection {weighting, imprecise, withoutInterval, minWeight, effectiveRows}: how runtime rows were weighted by their measured precision; a power version adds powerFamily {mode, chosen, cvRmspe {polynomial, saturating}, idleW, idleFrom, limitW, limitFrom, notes}",
          },
          current: { type: 'boolean' },
        },
      },
      PredictRequest: {
        type: 'object',
        required: ['platform', 'network'],
        properties: {
          platform: { type: 'string' },
          version: {
            type: 'integer',
            description: 'predict with the snapshot at this version (default: current pointers)',
          },
          network: {
            description:
              'a zoo name, or {zoo}, {paleo: <Paleo JSON>}, {keras: <Keras/TF.js JSON>}, {native: <neuralpower JSON>}, {onnx: <base64>}',
            oneOf: [
              { type: 'string', example: 'vgg16' },
              { type: 'object', properties: { zoo: { type: 'string' } }, required: ['zoo'] },
              { type: 'object', properties: { paleo: { type: 'object' } }, required: ['paleo'] },
              { type: 'object', properties: { keras: { type: 'object' } }, required: ['keras'] },
              { type: 'object', properties: { native: { type: 'object' } }, required: ['native'] },
              {
                type: 'object',
                properties: { onnx: { type: 'string', contentEncoding: 'base64' } },
                required: ['onnx'],
              },
            ],
          },
          batch: { type: 'integer', minimum: 1 },
          input: {
            type: 'array',
            items: { type: 'integer' },
            minItems: 2,
            maxItems: 2,
            description: '[H, W]',
          },
          runtimeFloorMs: {
            type: 'number',
            minimum: 0,
            description:
              "floor of every layer's predicted runtime (0 disables; the paper's is 0.105); default: each model's fastest training runtime",
          },
        },
      },
      PredictResponse: {
        type: 'object',
        properties: {
          platform: { type: 'string' },
          version: { type: ['integer', 'null'] },
          models: { type: 'array', items: { $ref: '#/components/schemas/VersionPointer' } },
          powerModels: {
            type: 'array',
            description:
              "each kind's power model: `polynomial` (the paper's, from the layer's hyper-parameters) or `saturating` (from the predicted runtime's work rate, between idle power and the board limit)",
            items: {
              type: 'object',
              properties: {
                kind: { type: 'string' },
                family: { type: 'string', enum: ['polynomial', 'saturating'] },
                idleW: { type: ['number', 'null'], description: 'saturating: the floor (W)' },
                idleFrom: {
                  type: ['string', 'null'],
                  enum: ['platform', 'cv', null],
                  description: "platform = the records' measured idle; cv = chosen by cross-validation",
                },
                limitW: { type: ['number', 'null'], description: 'saturating: the ceiling (W)' },
                limitFrom: {
                  type: ['string', 'null'],
                  enum: ['platform', 'cv', null],
                  description:
                    "platform = the fingerprint's enforced power limit; cv = chosen by cross-validation",
                },
                cvRmspe: { type: 'number', description: 'out-of-fold power RMSPE (fraction)' },
              },
            },
          },
          network: { type: 'string' },
          batch: { type: 'integer' },
          runtimeFloorMs: {
            type: ['number', 'null'],
            description: "the floor asked for; null: each runtime model's fastest training runtime",
          },
          layers: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                kind: { type: 'string' },
                modelKind: { type: ['string', 'null'] },
                runtimeMs: { type: ['number', 'null'] },
                runtimeRangeMs: range,
                powerW: { type: ['number', 'null'] },
                powerRangeW: range,
                powerFamily: {
                  type: ['string', 'null'],
                  enum: ['polynomial', 'saturating', null],
                  description: 'the power model family (saturating: power from the predicted runtime)',
                },
                energyMj: { type: ['number', 'null'] },
                runtimeShare: { type: ['number', 'null'] },
                energyShare: { type: ['number', 'null'] },
                runtimeFloored: { type: 'boolean' },
                outOfRange: { type: 'array', items: { type: 'string' } },
              },
            },
          },
          uncovered: { type: 'array', items: { type: 'object' } },
          totals: {
            type: 'object',
            properties: {
              runtimeMs: {
                type: 'number',
                description: 'the sum of layers, corrected when correction.applied',
              },
              uncorrectedRuntimeMs: { type: 'number', description: 'the sum of the predicted layers' },
              runtimeRangeMs: range,
              correction: {
                type: ['object', 'null'],
                description:
                  "the platform's network correction (model kind `network`); null when it has none",
                properties: {
                  form: { type: 'string' },
                  networks: { type: 'integer', description: 'networks it learned from' },
                  records: { type: 'integer' },
                  uncorrectedRuntimeMs: { type: 'number' },
                  runtimeMs: { type: 'number' },
                  cvRmspe: { type: 'number', description: 'leave-one-network-out RMSPE (fraction)' },
                  identityCvRmspe: { type: 'number', description: 'the same for the plain sum' },
                  applied: { type: 'boolean' },
                  extrapolating: { type: 'boolean' },
                },
              },
              powerW: { type: ['number', 'null'] },
              energyMj: { type: ['number', 'null'] },
              runtimeComplete: { type: 'boolean' },
              energyComplete: { type: 'boolean' },
              powerAvailable: { type: 'boolean' },
              layers: { type: 'integer' },
              coveredLayers: { type: 'integer' },
            },
          },
        },
      },
    },
  },
  paths: {
    '/healthz': {
      get: {
        summary: 'Liveness, database integrity and a few counters (503 when the database is corrupt)',
        security: [],
        responses: { 200: jsonResponse('ok'), 503: jsonResponse('the database failed its integrity check') },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (text exposition format)',
        security: [],
        responses: {
          200: { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    '/v1/openapi.json': {
      get: { summary: 'This document', security: [], responses: { 200: jsonResponse('OpenAPI 3.1') } },
    },
    '/v1/agents': {
      get: {
        summary: 'WebSocket endpoint for agents (upgrade; protocol in docs/protocol.md)',
        security: bearer,
        responses: {
          101: { description: 'switching protocols' },
          401: { description: 'missing, invalid or revoked token' },
        },
      },
    },
    '/v1/platforms': {
      get: { summary: 'Platforms with measurement counts', responses: { 200: jsonResponse('platforms') } },
    },
    '/v1/platforms/{id}': {
      get: {
        summary: 'One platform: counts per kind, agents, measurement precision, current model pointers',
        parameters: [platformId],
        responses: {
          200: jsonResponse('platform', {
            type: 'object',
            properties: {
              id: { type: 'string' },
              counts: { type: 'object', additionalProperties: { type: 'integer' } },
              precision: { $ref: '#/components/schemas/PlatformPrecision' },
              agents: { type: 'array', items: { type: 'object' } },
              models: { type: 'array', items: { $ref: '#/components/schemas/VersionPointer' } },
            },
          }),
          404: errorResponse,
        },
      },
    },
    '/v1/platforms/{id}/keys': {
      get: {
        summary: 'Natural keys of every configuration measured on the platform (agents skip these)',
        parameters: [platformId],
        responses: { 200: jsonResponse('keys'), 404: errorResponse },
      },
    },
    '/v1/platforms/{id}/models': {
      get: {
        summary: 'Model versions of a platform and its current pointers',
        parameters: [platformId],
        responses: {
          200: jsonResponse('versions', {
            type: 'object',
            properties: {
              platform: { type: 'string' },
              current: { type: 'array', items: { $ref: '#/components/schemas/VersionPointer' } },
              versions: { type: 'array', items: { $ref: '#/components/schemas/ModelVersion' } },
            },
          }),
          404: errorResponse,
        },
      },
    },
    '/v1/platforms/{id}/models/{version}': {
      get: {
        summary: "One model version with the full model in the core's format (?download for the bare file)",
        parameters: [
          platformId,
          { name: 'version', in: 'path', required: true, schema: { type: 'integer' } },
          { name: 'download', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: { 200: jsonResponse('model version'), 404: errorResponse },
      },
    },
    '/v1/platforms/{id}/models/rollback': {
      post: {
        summary: "Move a (kind, target) pointer back: to `to`, else to the current version's parent",
        security: bearer,
        parameters: [platformId],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['kind', 'target'],
                properties: {
                  kind: { type: 'string' },
                  target: { enum: ['runtime', 'power'] },
                  to: { type: 'integer' },
                },
              },
            },
          },
        },
        responses: {
          200: jsonResponse('the pointer move'),
          401: errorResponse,
          404: errorResponse,
          409: errorResponse,
        },
      },
    },
    '/v1/platforms/{id}/fit': {
      post: {
        summary: 'Fit now (all kinds with measurements, or the kinds given) and wait for the new versions',
        security: bearer,
        parameters: [platformId],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: { type: 'object', properties: { kinds: { type: 'array', items: { type: 'string' } } } },
            },
          },
        },
        responses: { 200: jsonResponse('fit outcomes per kind'), 401: errorResponse, 404: errorResponse },
      },
    },
    '/v1/platforms/{id}/validation': {
      get: {
        summary: 'Networks measured end to end against the prediction of every model version',
        parameters: [platformId],
        responses: { 200: jsonResponse('validation'), 404: errorResponse },
      },
    },
    '/v1/predict': {
      post: {
        summary: 'Per-layer and total runtime, power and energy of a network on a platform',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictRequest' } } },
        },
        responses: {
          200: jsonResponse('prediction', { $ref: '#/components/schemas/PredictResponse' }),
          400: errorResponse,
          404: errorResponse,
        },
      },
    },
    '/v1/measurements.csv': {
      get: {
        summary: 'Measurements as CSV',
        parameters: [
          { name: 'platform', in: 'query', schema: { type: 'string' } },
          { name: 'kind', in: 'query', schema: { type: 'string' }, description: 'model kind, or `network`' },
          {
            name: 'from',
            in: 'query',
            schema: { type: 'string', format: 'date-time' },
            description: 'started at or after',
          },
          {
            name: 'to',
            in: 'query',
            schema: { type: 'string', format: 'date-time' },
            description: 'started before',
          },
        ],
        responses: {
          200: { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } },
          400: errorResponse,
        },
      },
    },
    ...campaignPaths,
  },
} as const;
