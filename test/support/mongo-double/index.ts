export { startMongoDouble, type MongoDouble } from './server';
