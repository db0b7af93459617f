// Messages published through the local backend's SNS Publish, kept so that notifications can
// be inspected (and tested) without a real topic.
import type { Generated, Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { autoIncrementKey, createTable, portableTypes } from '../schema.ts';

export interface SnsTables {
  sns_messages: {
    seq: Generated<number>;
    message_id: string;
    topic_arn: string | null;
    target_arn: string | null;
    phone_number: string | null;
    subject: string | null;
    message: string;
    message_structure: string | null;
    /** JSON object of message attributes. */
    message_attributes: string;
    published_at: string;
  };
}

export const SNS_MIGRATIONS: Record<string, Migration> = {
  '0001-messages': {
    async up(db: Kysely<unknown>) {
      const t = portableTypes(db);
      await createTable(db, 'sns_messages')
        .addColumn('seq', 'integer', autoIncrementKey(db))
        .addColumn('message_id', t.ascii(128), (c) => c.notNull().unique())
        .addColumn('topic_arn', t.text)
        .addColumn('target_arn', t.text)
        .addColumn('phone_number', t.text)
        .addColumn('subject', t.text)
        .addColumn('message', t.text, (c) => c.notNull())
        .addColumn('message_structure', t.text)
        .addColumn('message_attributes', t.text, (c) => c.notNull())
        .addColumn('published_at', t.timestamp, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('sns_messages').execute();
    },
  },
};
