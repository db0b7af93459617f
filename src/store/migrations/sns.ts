// Messages published through the local backend's SNS Publish, kept so that notifications can
// be inspected (and tested) without a real topic.
import type { Generated, Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

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
      await db.schema
        .createTable('sns_messages')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('message_id', 'text', (c) => c.notNull().unique())
        .addColumn('topic_arn', 'text')
        .addColumn('target_arn', 'text')
        .addColumn('phone_number', 'text')
        .addColumn('subject', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('message_structure', 'text')
        .addColumn('message_attributes', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('sns_messages').execute();
    },
  },
};
