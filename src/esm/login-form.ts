import type { LoginForm } from './types.ts';

/** The submitted login form; an ESM may rewrite it before the upstream login. */
export class LoginFormValues implements LoginForm {
  constructor(
    private login: string,
    private password: string,
    private project: string,
  ) {}
  getLogin(): string {
    return this.login;
  }
  setLogin(value: string): void {
    this.login = String(value);
  }
  getPassword(): string {
    return this.password;
  }
  setPassword(value: string): void {
    this.password = String(value);
  }
  getProject(): string {
    return this.project;
  }
  setProject(value: string): void {
    this.project = String(value);
  }
}
