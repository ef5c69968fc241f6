/** Pieces shared by every OpenAPI path table (the core routes' and the campaign routes'). */

/** The `{error: {status, message, field}}` body every route answers with on failure. */
export const errorResponse = {
  description: 'Error',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: {
              status: { type: 'integer' },
              message: { type: 'string' },
              field: { type: ['string', 'null'], description: 'the request field at fault' },
            },
          },
        },
      },
    },
  },
};

export const jsonResponse = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});
