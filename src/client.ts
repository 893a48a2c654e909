/** `sessiond/client`: the client package (`@sessiond/client`), for those who installed the server. */
export * from '@sessiond/client';
